// The room's number-ticket screen: ask the JSON API every few seconds, show the number called
// and its counter, the earlier calls and the next numbers (numbers only, never names), and
// announce a new call: the live region tells screen readers; a short tone and, where the browser
// has it, the call said in Korean. Browsers play sound only after someone touches the page, so
// a button turns the announcements on.
(function () {
  "use strict";
  var box = document.getElementById("ticket-screen");
  if (!box || !window.fetch) return;
  var api = box.getAttribute("data-api");
  var lang = box.getAttribute("data-lang") || "ko";
  var every = (parseInt(box.getAttribute("data-poll"), 10) || 3) * 1000;
  var soundButton = document.getElementById("sound-on");
  var audio = null;
  var last = null;

  function text(ko, en) {
    return lang === "en" ? en : ko;
  }

  if (soundButton) {
    soundButton.hidden = false;
    soundButton.addEventListener("click", function () {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) audio = new Ctx();
      soundButton.hidden = true;
    });
  }

  function tone() {
    if (!audio) return;
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  }

  function say(number, counter) {
    if (!audio || !window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
    var u = new SpeechSynthesisUtterance(number + "번 고객님, " + counter + "번 창구로 오십시오.");
    u.lang = "ko-KR";
    window.setTimeout(function () {
      window.speechSynthesis.speak(u);
    }, 400);
  }

  function list(el, items) {
    el.textContent = "";
    items.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t;
      el.appendChild(li);
    });
  }

  function show(s) {
    var now = document.getElementById("now-call");
    var top = s.called[0];
    var key = top ? top.number + "@" + top.called_at : "";
    if (key !== last) {
      now.textContent = "";
      if (top) {
        var n = document.createElement("span");
        n.className = "mw-ticket-number";
        n.id = "now-number";
        n.textContent = String(top.number);
        var c = document.createElement("span");
        c.className = "mw-ticket-counter";
        c.id = "now-counter";
        c.textContent = text(top.counter + "번 창구", "Counter " + top.counter);
        now.appendChild(n);
        now.appendChild(c);
        if (last !== null) {
          tone();
          say(top.number, top.counter);
        }
      } else {
        var w = document.createElement("span");
        w.className = "mw-ticket-none";
        w.textContent = text("잠시 기다려 주세요", "Please wait");
        now.appendChild(w);
      }
      last = key;
    }
    list(
      document.getElementById("earlier"),
      s.called.slice(1).map(function (c) {
        return c.number + " → " + c.counter;
      })
    );
    list(document.getElementById("next"), s.next.map(String));
    document.getElementById("waiting-count").textContent = String(s.waiting);
  }

  function poll() {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (s) show(s);
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(poll, every);
      });
  }
  poll();
})();
