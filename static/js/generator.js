/* Generation pages, progressively enhanced: every page works without this file.
 * - generator: drag and drop, preview, strength readout, upload with a progress bar
 * - detail: live progress of a running job, before/after slider, variant picker
 * - forms with data-confirm ask before deleting
 */
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");

  var POLL_MS = 800;

  function $(id) { return document.getElementById(id); }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // The server sends each stage's label (generation.models.Stage); the page keeps no copy.
  function showProgress(label, bar, job) {
    if (!job) { return; }
    if (job.status === "queued") {
      label.textContent = job.stage_label + "…";
    } else if (job.status === "running") {
      label.textContent = job.stage_label + "… " + job.percent + " %";
    }
    bar.value = job.percent;
    bar.textContent = job.percent + " %";
  }

  // When a job finishes the page loads its result; focus then goes to the result's heading,
  // so a screen reader says what happened instead of starting again at the top of the page.
  var FOCUS_FLAG = "lightsb-focus-result";
  function focusResultAfterLoad() {
    try { window.sessionStorage.setItem(FOCUS_FLAG, "1"); } catch (error) { /* storage off */ }
  }
  function focusResultIfAsked() {
    var asked = false;
    try {
      asked = window.sessionStorage.getItem(FOCUS_FLAG) === "1";
      window.sessionStorage.removeItem(FOCUS_FLAG);
    } catch (error) { return; }
    var heading = document.querySelector("main h1");
    if (asked && heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  // Polls url until the job finishes; calls done(job) once.
  function pollUntilFinished(url, label, bar, done, onUpdate) {
    var stopped = false;
    function tick() {
      if (stopped) { return; }
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (stopped) { return; }
          showProgress(label, bar, job);
          if (job && job.cancel_url && onUpdate) { onUpdate(job); }
          if (job && job.finished) { stopped = true; done(job); return; }
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () { window.setTimeout(tick, POLL_MS * 3); });
    }
    tick();
    return function stop() { stopped = true; };
  }

  function setupGenerator() {
    var form = $("generator-form");
    if (!form) { return; }
    var input = form.querySelector("input[type=file]");
    var dropzone = $("dropzone");
    var preview = $("preview");
    var panel = $("progress-panel");
    var label = $("progress-label");
    var bar = $("progress-bar");
    var errorBox = $("client-error");
    var button = $("generate-button");

    function showPreview() {
      var file = input.files && input.files[0];
      if (!file) { preview.hidden = true; return; }
      if (preview.src) { URL.revokeObjectURL(preview.src); }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
      readFaces(file);
    }

    // Ask the engine what it sees in the photo, and say so when the chosen direction would
    // change little ("this face already looks like a child: try child -> adult").
    var hintBox = $("direction-hint");
    var faces = null;
    var notice = null;
    function showHint() {
      if (!hintBox) { return; }
      var chosen = form.querySelector("input[name=direction]:checked");
      var hint = faces && faces.length && chosen ? faces[0].hints[chosen.value] : null;
      var message = notice ? notice.message : (hint ? hint.message : "");
      hintBox.textContent = message;
      hintBox.hidden = !message;
    }
    function readFaces(file) {
      faces = null;
      notice = null;
      showHint();
      if (!window.fetch || !window.FormData || !form.dataset.estimateUrl) { return; }
      if (tooLarge(file)) { return; }  // the server would refuse it: say so once, on Generate
      var body = new FormData();
      body.append("file", file);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(form.dataset.estimateUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) {
          faces = result ? result.faces : null;
          notice = result && result.notice ? result.notice : null;
          showHint();
        })
        .catch(function () { faces = null; });
    }
    form.querySelectorAll("input[name=direction]").forEach(function (radio) {
      radio.addEventListener("change", showHint);
    });
    input.addEventListener("change", showPreview);

    ["dragenter", "dragover"].forEach(function (name) {
      dropzone.addEventListener(name, function (event) {
        event.preventDefault();
        dropzone.classList.add("is-dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      dropzone.addEventListener(name, function () { dropzone.classList.remove("is-dragging"); });
    });
    dropzone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showPreview();
      }
    });

    [["strength", "strength-value"], ["variation", "variation-value"]].forEach(function (pair) {
      var slider = form.querySelector("input[name=" + pair[0] + "]");
      var readout = $(pair[1]);
      if (slider && readout) {
        slider.addEventListener("input", function () { readout.textContent = slider.value; });
      }
    });

    function fail(message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
      panel.hidden = true;
      button.disabled = false;
    }

    // Marks each field the server refused, as the page without JavaScript does.
    function clearFieldErrors() {
      form.querySelectorAll(".js-field-error").forEach(function (list) { list.remove(); });
      form.querySelectorAll("[aria-invalid=true]").forEach(function (field) {
        field.removeAttribute("aria-invalid");
        var row = field.closest(".form-row");
        if (row) { row.classList.remove("has-error"); }
      });
    }

    function showFieldErrors(fields) {
      var first = null;
      Object.keys(fields || {}).forEach(function (name) {
        var field = form.querySelector("[name='" + name + "']");
        var row = field && field.closest(".form-row");
        if (!row) { return; }
        var list = document.createElement("ul");
        list.className = "errorlist js-field-error";
        list.id = "js-error-" + name;
        [].concat(fields[name]).forEach(function (error) {
          var item = document.createElement("li");
          item.textContent = typeof error === "string" ? error : error.message;
          list.appendChild(item);
        });
        row.classList.add("has-error");
        row.appendChild(list);
        var folded = row.closest("details");
        if (folded) { folded.open = true; }
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", list.id);
        first = first || field;
      });
      if (first) { first.focus(); }
    }

    function tooLarge(file) {
      var limit = parseInt(form.dataset.maxUploadBytes, 10);
      return limit > 0 && file.size > limit;
    }

    input.addEventListener("change", function () {
      errorBox.hidden = true;
      if (input.files && [].some.call(input.files, tooLarge)) {
        fail("The file is larger than " + form.dataset.maxUploadText + ". Choose a smaller photo.");
      }
    });

    var cancelCurrent = null;
    var cancelButton = $("cancel-button");
    if (cancelButton) {
      cancelButton.addEventListener("click", function () { if (cancelCurrent) { cancelCurrent(); } });
    }

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; } // plain form post
      event.preventDefault();
      errorBox.hidden = true;
      clearFieldErrors();
      if (!input.files || !input.files.length) { fail("Choose a photo to upload (JPEG, PNG or WEBP)."); return; }
      var batchMax = parseInt(form.dataset.batchMax, 10);
      if (batchMax > 0 && input.files.length > batchMax) {
        fail("Choose at most " + batchMax + " photos at once (" + input.files.length + " were chosen).");
        return;
      }
      var large = [].filter.call(input.files, tooLarge).map(function (file) { return file.name; });
      if (large.length) {
        fail((input.files.length > 1 ? large.join(", ") + ": " : "") + "The file is larger than " +
          form.dataset.maxUploadText + ". Choose a smaller photo.");
        return;
      }
      // Several photos make a batch: the server answers with it, and one progress covers all.
      var progressUrl = input.files.length > 1 ? form.dataset.batchProgressUrl : form.dataset.progressUrl;
      var key = newKey();
      var aborter = window.AbortController ? new AbortController() : null;
      var lastJob = null;
      button.disabled = true;
      panel.hidden = false;
      label.textContent = "Uploading…";
      bar.value = 0;
      // While the post runs (it may run the whole job), follow the job by its key.
      var stop = pollUntilFinished(
        progressUrl + "?key=" + encodeURIComponent(key), label, bar,
        function (job) { focusResultAfterLoad(); window.location.assign(job.url); },
        function (job) { lastJob = job; }
      );
      cancelCurrent = function () {
        stop();
        if (aborter) { aborter.abort(); }
        cancelCurrent = null;
        // A job the server already started is stopped there too (its page says so).
        if (lastJob && lastJob.cancel_url) {
          var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
          fetch(lastJob.cancel_url, {
            method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": token }
          }).finally(function () { window.location.assign(lastJob.url); });
          return;
        }
        fail("Canceled. Nothing was generated.");
      };
      fetch(form.action || window.location.href, {
        method: "POST",
        signal: aborter ? aborter.signal : undefined,
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json", "Idempotency-Key": key }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; },
          function () { return { ok: false, status: response.status, body: { message: "The server could not process the upload (" + response.status + ")." } }; });
      }).then(function (result) {
        if (!result.ok) {
          stop();
          cancelCurrent = null;
          if (result.status === 413) {
            result.body.message = "The file is larger than " + form.dataset.maxUploadText + ". Choose a smaller photo.";
          }
          fail(result.body.message || "Something went wrong.");
          showFieldErrors(result.body.fields);
          return;
        }
        lastJob = result.body;
        if (result.body.finished) { stop(); focusResultAfterLoad(); window.location.assign(result.body.url); }
        // Otherwise the job is queued: the poller takes it from here.
      }).catch(function (error) {
        stop();
        if (error && error.name === "AbortError") { return; }  // Cancel said so already
        fail("The upload failed. Check your connection and try again.");
      });
    });
  }

  function setupDetail() {
    var box = $("job-progress");
    if (box) {
      pollUntilFinished(box.dataset.progressUrl, $("progress-label"), $("progress-bar"),
        function () { focusResultAfterLoad(); window.location.reload(); });
    }
    var compare = $("compare");
    var slider = $("compare-slider");
    var wrap = $("compare-after-wrap");
    var after = $("compare-after");
    if (compare && slider && wrap) {
      compare.classList.add("is-live");
      var update = function () { wrap.style.clipPath = "inset(0 0 0 " + slider.value + "%)"; };
      slider.addEventListener("input", update);
      update();
      document.querySelectorAll("[data-compare]").forEach(function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          after.srcset = link.dataset.compareSrcset || "";  // srcset wins over src
          after.src = link.dataset.compare;
          after.alt = link.querySelector("img").alt;
          compare.scrollIntoView({ behavior: "smooth", block: "center" });
        });
      });
    }
  }

  function setupConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  setupGenerator();
  setupDetail();
  focusResultIfAsked();
  setupConfirmations();
})();
