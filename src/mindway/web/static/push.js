// Web Push for check-in reminders (RFC 8030; keys per RFC 8291, server key per RFC 8292).
// Progressive enhancement: the #push section stays hidden unless this browser has service
// workers, the Push API and notifications. The subscription is POSTed as JSON with the CSRF
// token from the section's data-csrf attribute. No inline script: CSP is script-src 'self'.
(function () {
  "use strict";
  var box = document.getElementById("push");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) {
    return;
  }
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var status = document.getElementById("push-status");

  function keyBytes(base64url) {
    var text = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (reply) {
      if (!reply.ok) { throw new Error("the server answered " + reply.status); }
    });
  }

  function show(subscribed, message) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    status.textContent = message || "";
  }

  function registration() {
    return navigator.serviceWorker.register("/sw.js", { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  on.addEventListener("click", function () {
    on.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("notifications are not allowed for this site in your browser settings");
      }
      return registration();
    }).then(function (reg) {
      return reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.vapidKey)
      });
    }).then(function (subscription) {
      return post("/patient/push/subscribe", subscription.toJSON());
    }).then(function () {
      show(true, "This device will get your check-in reminders.");
    }).catch(function (error) {
      show(false, "Could not turn on notifications: " + error.message +
        ". Your reminders still show on your home page.");
    }).then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) { return null; }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post("/patient/push/unsubscribe", { endpoint: endpoint });
      });
    }).then(function () {
      show(false, "This device will no longer get notifications.");
    }).catch(function (error) {
      status.textContent = "Could not turn off notifications: " + error.message;
    }).then(function () { off.disabled = false; });
  });

  box.hidden = false;
  navigator.serviceWorker.getRegistration("/").then(function (reg) {
    return reg ? reg.pushManager.getSubscription() : null;
  }).then(function (subscription) {
    show(Boolean(subscription) && Notification.permission === "granted");
  }).catch(function () { show(false); });
}());
