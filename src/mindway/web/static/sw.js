// Mindway's service worker: shows reminders sent by Web Push (RFC 8030) and opens the page
// the reminder is for when one is clicked. Served from /sw.js so its scope is the whole site.
// The message never carries health data. A click opens only one of Mindway's own reminder
// pages (check-in or programme), whatever the message says; each kind of reminder has its own
// tag, so a programme reminder never replaces a check-in reminder still showing.
"use strict";

var CHECKIN = "/patient/checkin";
var PAGES = { "/patient/checkin": "mindway-checkin", "/patient/programme": "mindway-programme" };

self.addEventListener("push", function (event) {
  var message = { title: "Mindway", body: "Time for your check-in", url: CHECKIN };
  if (event.data) {
    try {
      var sent = event.data.json();
      if (typeof sent.title === "string") { message.title = sent.title.slice(0, 80); }
      if (typeof sent.body === "string") { message.body = sent.body.slice(0, 200); }
      if (typeof sent.url === "string" && PAGES.hasOwnProperty(sent.url)) { message.url = sent.url; }
    } catch (ignored) { /* keep the default words */ }
  }
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body,
    tag: PAGES[message.url],
    data: { url: message.url }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var page = PAGES.hasOwnProperty(data.url) ? data.url : CHECKIN;
  var target = new URL(page, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
      }
      return self.clients.openWindow(target);
    }));
});
