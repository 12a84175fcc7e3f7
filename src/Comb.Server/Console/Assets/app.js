// Comb console: small progressive enhancements; every page works without them.
(function () {
  'use strict';

  // "Select all" boxes tick every row box of their table.
  document.querySelectorAll('input[data-select-all]').forEach(function (all) {
    all.addEventListener('change', function () {
      var table = all.closest('table');
      table.querySelectorAll('input[name="digest"], input[name="tag"]').forEach(function (box) { box.checked = all.checked; });
    });
  });

  // Buttons that ask first (scan all, re-match all, revoke, expire).
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  });

  // The scans table follows the queue live: the server sends the rows, already escaped, as server-sent events.
  var live = document.querySelector('tbody[data-live]');
  if (live && window.EventSource) {
    var source = new EventSource(live.getAttribute('data-live'));
    var status = document.getElementById('live-status');
    source.addEventListener('rows', function (e) {
      live.innerHTML = e.data;
      if (status) { status.textContent = 'Live · updated ' + new Date().toLocaleTimeString(); }
    });
    source.onerror = function () { if (status) { status.textContent = 'Live updates paused; reload to retry.'; } };
  }
})();
