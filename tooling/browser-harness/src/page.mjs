// In the page: report a result (any JSON value) back to runInChromium.
export function report(result) {
  window.__gptftResult = result;
}
