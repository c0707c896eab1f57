// Polls a running job's JSON status (templates/jobs/_progress.html) and moves its progress bar;
// when the job ends, the page is loaded again so that the server shows the outcome.
(function () {
  "use strict";
  var POLL_MS = 1500;

  function watch(box) {
    var bar = box.querySelector("progress");
    var line = box.querySelector(".job-status");
    function poll() {
      fetch(box.dataset.jobStatusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (status) {
          bar.value = status.percent;
          bar.textContent = status.percent + "%";
          if (status.finished) {
            window.location.reload();
            return;
          }
          line.textContent = status.label + (status.total ? " · " + status.done + " / " + status.total : "");
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 4); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll("[data-job-status-url][data-job-running]").forEach(watch);
})();
