// Starts Swagger UI on /api/docs (a file, not an inline script, so the page keeps the app's CSP).
(function () {
  "use strict";
  window.addEventListener("DOMContentLoaded", function () {
    const root = document.getElementById("swagger-ui");
    window.ui = window.SwaggerUIBundle({
      url: root.dataset.openapi,
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      layout: "BaseLayout",
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
      // "Try it out" sends what the API asks of state-changing requests (see docs/guide.md).
      requestInterceptor: function (req) { req.headers["X-Evalign-Request"] = "1"; return req; },
    });
  });
})();
