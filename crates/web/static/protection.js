// Frontline protection, progressive enhancement only (every form works without this file):
// 1. the live panic-alert banner for every staff screen (server-sent events; each alert goes
//    only to its recipients and those the policy lets read it);
// 2. the running timer on the counter/phone contact page, which offers the warning text once
//    the recommended time is exceeded.
(function () {
  "use strict";

  function text(lang, ko, en) {
    return lang === "en" ? en : ko;
  }

  function liveAlerts() {
    var box = document.getElementById("mw-live-alerts");
    if (!box || !window.EventSource) {
      return;
    }
    var lang = box.getAttribute("data-lang") || "ko";
    var source = new EventSource(box.getAttribute("data-stream"));
    source.addEventListener("alert", function (e) {
      var a;
      try {
        a = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      // A place said after the press arrives as the same alert again: replace its line.
      var item = document.getElementById("mw-live-alert-" + a.id) || document.createElement("p");
      item.id = "mw-live-alert-" + a.id;
      item.textContent = "";
      item.className = "mw-live-alert";
      var strong = document.createElement("strong");
      strong.textContent = a.escalated
        ? text(lang, "비상호출(미확인 재알림): ", "Panic alert (not yet acknowledged): ")
        : text(lang, "비상호출: ", "Panic alert: ");
      item.appendChild(strong);
      var where = [a.department_name, a.place || text(lang, "(자리 미확인)", "(place not said yet)")]
        .filter(Boolean)
        .join(" ");
      item.appendChild(document.createTextNode(a.raised_by_name + " — " + where + " "));
      var link = document.createElement("a");
      link.href = a.url;
      link.textContent = text(lang, "열어서 출동 확인", "Open and acknowledge");
      item.appendChild(link);
      if (!item.parentNode) {
        box.appendChild(item);
      }
      box.hidden = false;
    });
  }

  function timer() {
    var el = document.getElementById("mw-contact-timer");
    if (!el) {
      return;
    }
    var started = Date.parse(el.getAttribute("data-started"));
    var limit = parseInt(el.getAttribute("data-minutes"), 10) * 60;
    var clock = document.getElementById("mw-contact-clock");
    var warning = document.getElementById("mw-contact-warning");
    var lang = el.getAttribute("data-lang") || "ko";
    if (isNaN(started) || !clock) {
      return;
    }
    // With the script the warning waits for the time to pass; without it, it is always shown.
    if (warning && warning.getAttribute("data-open") !== "yes") {
      warning.hidden = true;
    }
    function two(n) {
      return (n < 10 ? "0" : "") + n;
    }
    function tick() {
      var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
      clock.textContent = two(Math.floor(s / 60)) + ":" + two(s % 60);
      if (s >= limit && warning && warning.hidden) {
        warning.hidden = false;
        clock.className = "mw-clock mw-clock-over";
        clock.setAttribute("aria-label", text(lang, "권장 시간 초과", "recommended time exceeded"));
      }
    }
    tick();
    window.setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveAlerts();
    timer();
  });
})();
