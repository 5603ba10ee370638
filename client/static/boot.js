// Starts the app: loads the wasm module (names stamped by scripts/build-client.sh).
// A file rather than an inline script, so the Content-Security-Policy can
// forbid inline scripts altogether.
import init from "/__APP_JS__";

init({ module_or_path: "/__APP_WASM__" }).catch((e) => {
  console.error(e);
  const p = document.getElementById("loading");
  if (p) p.textContent = "Không mở được ứng dụng. / The app failed to start: " + e;
});
