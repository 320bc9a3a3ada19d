// Chat with the companion: post the message, read the reply as server-sent events.
// Without this script the form posts normally and the page shows the conversation.
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  var log = document.getElementById("chat-log");
  if (!form || !log || !window.fetch || !window.TextDecoder) { return; }
  var field = document.getElementById("chat-text");
  var button = form.querySelector("button");

  function bubble(role, text) {
    var item = document.createElement("li");
    item.className = "chat-message from-" + role;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = role === "user" ? "You:" : "Companion:";
    var para = document.createElement("p");
    para.textContent = text;
    item.appendChild(who);
    item.appendChild(para);
    log.appendChild(item);
    item.scrollIntoView({block: "end"});
    return para;
  }

  function handle(block, para) {
    var event = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) { event = line.slice(7); }
      if (line.indexOf("data: ") === 0) { data += line.slice(6); }
    });
    if (!data) { return null; }
    var value = JSON.parse(data);
    if (event === "message") { para.textContent += value.delta; }
    if (event === "problem") { para.textContent = value.detail; }
    return event === "done" ? value : null;
  }

  form.addEventListener("submit", function (submit) {
    var text = field.value.trim();
    if (!text) { return; }
    submit.preventDefault();
    button.disabled = true;
    bubble("user", text);
    var para = bubble("companion", "");
    var body = new URLSearchParams(new FormData(form));
    field.value = "";
    fetch(form.getAttribute("data-stream"), {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) {
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { return null; }
            buffer += decoder.decode(chunk.value, {stream: true});
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            for (var i = 0; i < blocks.length; i++) {
              var done = handle(blocks[i], para);
              if (done) { return done; }
            }
            return pump();
          });
        }
        return pump();
      })
      .then(function (done) {
        if (done && done.escalated) { window.location.assign("/patient/chat?help=now#crisis"); }
      })
      .catch(function () { form.submit(); })
      .then(function () { button.disabled = false; field.focus(); });
  });
})();
