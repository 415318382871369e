/* course_kit's JupyterLab / Voila "extension": a hand-written federated container with no plugin.
 * JupyterLab and Voila load every extension's remoteEntry script before any widget exists; this one
 * only patches one deadline.
 *
 * anywidget (0.9 to 0.11, which plotly's FigureWidget is built on) gives each widget model 2 s,
 * AbortSignal.timeout(2000), from its creation in the page to load its JavaScript module; a model that
 * misses it silently drops every later message from the kernel, so its figure never follows the
 * controls again. plotly's module is 5 MB and compiled once per figure: on a busy machine figures
 * froze (tests/test_browser.py reproduced it under CPU load). Here that one deadline becomes
 * 10 minutes; the kernel's messages wait, in order, until the module has loaded.
 */
(function () {
  if (!AbortSignal.__courseKitDeadline) {
    const timeout = AbortSignal.timeout.bind(AbortSignal);
    AbortSignal.timeout = (ms) => timeout(ms === 2000 ? 600000 : ms);
    AbortSignal.__courseKitDeadline = true;
  }
  const registry = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  registry["course-kit-fixes"] = {
    init: () => Promise.resolve(),
    get: () => Promise.reject(new Error("course-kit-fixes provides no module")),
  };
})();
