"""A third-party Open311 client (PyPI `georeport`, pinned in scripts/requirements-test.txt)
against a running Minwon server, driven by crates/web/tests/open311.rs.

    python3 client.py ROOT API_KEY file          -> prints the new service_request_id
    python3 client.py ROOT API_KEY follow ID     -> prints the request's status

georeport reads (services, definitions, requests) in JSON and XML; it has no call for filing,
so filing uses `requests` (georeport's own HTTP library) with the form GeoReport specifies.
Any mismatch raises, and the non-zero exit fails the Rust test.
"""

import sys

import requests
from georeport import GeoReport


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def file_one(root, key):
    g = GeoReport(root, api_key=key, output_format="json")
    gx = GeoReport(root, api_key=key, output_format="xml")

    codes = [s["service_code"] for s in g.get_service_list()]
    check("road-damage" in codes, f"services (json): {codes}")
    xml_services = gx.get_service_list()
    if isinstance(xml_services, dict):  # xmltodict gives a dict for a single element
        xml_services = [xml_services]
    check(
        [s["service_code"] for s in xml_services] == codes,
        f"services (xml): {xml_services}",
    )

    definition = g.get_service_definition("road-damage")
    attrs = {a["code"]: a for a in definition["attributes"]}
    check(attrs["size"]["required"] is True, f"definition: {definition}")
    choices = [v["key"] for v in attrs["size"]["values"]]
    xml_def = gx.get_service_definition("road-damage")
    check(xml_def["service_code"] == "road-damage", f"definition (xml): {xml_def}")

    res = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "road-damage",
            "lat": "37.8315",
            "long": "127.5105",
            "address_string": "경기도 가평군 가평읍 석봉로 181",
            "description": "보도블록이 깨져 있습니다 (filed by georeport test).",
            "first_name": "길동",
            "last_name": "홍",
            "email": "hong@example.kr",
            f"attribute[size]": choices[-1],
        },
        timeout=30,
    )
    res.raise_for_status()
    sid = res.json()[0]["service_request_id"]

    one = g.get_service_request(sid)
    check(one["status"] == "open", f"request (json): {one}")
    check(one["service_code"] == "road-damage", f"request (json): {one}")
    check("hong@example.kr" not in str(one), "personal data leaked")
    one_xml = gx.get_service_request(sid)
    check(one_xml["service_request_id"] == sid, f"request (xml): {one_xml}")
    listed = g.get_service_requests(service_code="road-damage", status="open")
    check(sid in [r["service_request_id"] for r in listed], f"list: {listed}")
    print(sid)


def follow(root, key, sid):
    g = GeoReport(root, api_key=key, output_format="json")
    one = g.get_service_request(sid)
    check(one["status_notes"], f"status_notes: {one}")
    print(one["status"])


def main():
    root, key, action = sys.argv[1], sys.argv[2], sys.argv[3]
    if action == "file":
        file_one(root, key)
    else:
        follow(root, key, sys.argv[4])


if __name__ == "__main__":
    main()
