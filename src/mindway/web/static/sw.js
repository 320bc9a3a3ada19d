// Mindway's service worker: shows check-in reminders sent by Web Push (RFC 8030) and opens
// the check-in page when one is clicked. Served from /sw.js so its scope is the whole site.
// The message never carries health data; whatever it says, a click only opens the check-in.
"use strict";

var CHECKIN = "/patient/checkin";

self.addEventListener("push", function (event) {
  var message = { title: "Mindway", body: "Time for your check-in" };
  if (event.data) {
    try {
      var sent = event.data.json();
      if (typeof sent.title === "string") { message.title = sent.title.slice(0, 80); }
      if (typeof sent.body === "string") { message.body = sent.body.slice(0, 200); }
    } catch (ignored) { /* keep the default words */ }
  }
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body,
    tag: "mindway-checkin",
    data: { url: CHECKIN }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(CHECKIN, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
      }
      return self.clients.openWindow(target);
    }));
});
