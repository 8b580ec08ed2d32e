// The room's check-in screen: count the seconds down and reload when the code turns, so the
// screen always shows the code of this moment (the server derives it from the time; nothing to
// keep between loads).
(function () {
  var room = document.getElementById("room");
  var out = document.getElementById("room-seconds");
  if (!room || !out) return;
  var left = parseInt(room.getAttribute("data-seconds"), 10) || 30;
  setInterval(function () {
    left -= 1;
    if (left <= 0) {
      window.location.reload();
      return;
    }
    out.textContent = String(left);
  }, 1000);
})();
