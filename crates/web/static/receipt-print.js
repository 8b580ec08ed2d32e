// The receipt's print button: shown only where this script runs (the CSP forbids inline handlers).
document.querySelectorAll('[data-print]').forEach((b) => {
  b.hidden = false;
  b.addEventListener('click', () => window.print());
});
