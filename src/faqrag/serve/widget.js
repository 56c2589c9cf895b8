/* faqrag help widget: <script src="https://HOST/widget.js" async></script>
 *
 * Optional attributes on the tag: data-server (the API root, default: where this
 * script came from), data-title (the panel's heading), data-button (the
 * launcher's label), data-timeout (seconds to wait for an answer, default 30).
 * Everything is drawn in a shadow root, from text nodes only: no answer text is
 * ever read as HTML. Served by `faqrag serve`; no CDN. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__faqragWidget) return;
  window.__faqragWidget = true;
  var here = new URL(script.src, location.href);
  var server = (script.getAttribute("data-server") || here.href.replace(/\/widget\.js(?:[?#].*)?$/, "")).replace(/\/+$/, "");
  var title = script.getAttribute("data-title") || "Ask the help guide";
  var buttonLabel = script.getAttribute("data-button") || "Help";
  var K = 1; // passages a question brings: the widget shows the answer, never the passages under it
  var seconds = Number(script.getAttribute("data-timeout"));
  if (!(seconds > 0 && seconds <= 600)) seconds = 30; // unset, not a number, or out of reason
  // Phone-like numbers and addresses are kept on one line ("0800-048-0888" never breaks at a dash).
  // Every run is bounded: with open-ended runs a long unbroken text (a URL, a token) took
  // time quadratic in its length on the host page's thread (40,000 characters: 4.8 s).
  var ADDRESS = /^[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;
  var UNBROKEN = /(\+?\d[\d ().\u2011-]{5,40}\d|[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{1,63})/g;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function prose(tag, cls, text) {
    // Text as nodes, numbers and addresses wrapped so they do not break mid-way;
    // a whole e-mail address is a mailto: link.
    text = String(text || "");
    var node = el(tag, { class: cls });
    var last = 0;
    text.replace(UNBROKEN, function (m, _g, at) {
      if (at > last) node.appendChild(document.createTextNode(text.slice(last, at)));
      var mail = mailbox(m, text.charAt(at - 1), text.charAt(at + m.length));
      if (mail) {
        var a = el("a", { class: "fq-nowrap", href: "mailto:" + mail.address, text: mail.address });
        node.appendChild(document.createTextNode(mail.before));
        node.appendChild(a);
        node.appendChild(document.createTextNode(mail.after));
      } else node.appendChild(el("span", { class: "fq-nowrap", text: m }));
      last = at + m.length;
      return m;
    });
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
    return node;
  }

  function mailbox(run, before, after) {
    // The e-mail address in a run, apart from the brackets, quotes and stops around it;
    // none when the run was cut (by the run's bound, or "…"), so no link writes to
    // another mailbox.
    if (/\S/.test(before) || after === "\u2026") return null;
    var lead = run.match(/^[(\[<"'\u201c\u2018]*/)[0];
    var tail = run.slice(lead.length).match(/[)\]>"'\u201d\u2019.,;:!?]*$/)[0];
    var address = run.slice(lead.length, run.length - tail.length);
    if (!ADDRESS.test(address)) return null;
    return { before: lead, address: address, after: tail };
  }

  function safeLink(href, text) {
    if (!/^(https?:|mailto:)/i.test(href || "")) return null;
    var a = el("a", { href: href, text: text });
    if (!/^mailto:/i.test(href)) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  var host = el("div", { "data-faqrag-widget": "" });
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: server + "/widget.css" }));
  var launcher = el("button", {
    class: "fq-launcher", type: "button", "aria-expanded": "false", "aria-controls": "fq-panel", text: buttonLabel,
  });
  var close = el("button", { class: "fq-close", type: "button", "aria-label": "Close the help panel", text: "\u00d7" });
  var log = el("div", { class: "fq-log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  var input = el("input", {
    id: "fq-q", type: "text", autocomplete: "off", maxlength: "2000", placeholder: "Type a question and press Enter",
  });
  var ask = el("button", { type: "submit", class: "fq-ask", text: "Ask" });
  var form = el("form", { class: "fq-form" }, [el("label", { for: "fq-q", class: "fq-sr", text: "Your question" }), input, ask]);
  var panel = el("section", { id: "fq-panel", class: "fq-panel", role: "dialog", "aria-labelledby": "fq-title", hidden: "" }, [
    el("header", { class: "fq-head" }, [el("h2", { id: "fq-title", text: title }), close]),
    log,
    form,
  ]);
  root.appendChild(panel);
  root.appendChild(launcher);

  function open(show) {
    panel.hidden = !show;
    launcher.setAttribute("aria-expanded", String(show));
    if (show) input.focus();
    else launcher.focus();
  }
  launcher.addEventListener("click", function () { open(panel.hidden); });
  close.addEventListener("click", function () { open(false); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); open(false); }
  });

  function say(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function handoffBlock(h) {
    if (!h) return null;
    var box = el("div", { class: "fq-handoff", role: "group", "aria-label": "Reach a person" }, [
      el("p", { class: "fq-lead", text: "Need a person?" }),
    ]);
    if (h.kind === "section") {
      box.appendChild(el("p", { class: "fq-source", text: "From the guide: " + h.label }));
      box.appendChild(prose("p", "fq-text", h.text));
      var page = h.url && safeLink(h.url, "Open the page");
      if (page) box.appendChild(el("p", {}, [page]));
    } else {
      var link = safeLink(h.kind === "email" ? "mailto:" + h.target : h.target, h.kind === "email" ? h.label + " (" + h.target + ")" : h.label);
      if (!link) return null; // no address a browser may open: "Need a person?" over nothing helps no one
      box.appendChild(el("p", {}, [link]));
    }
    return box;
  }

  function feedbackRow(resp) {
    if (!resp.ref) return null; // the server keeps no log: nothing to record it in
    var row = el("div", { class: "fq-feedback", role: "group", "aria-label": "Did this answer your question?" }, [
      el("span", { text: "Did this answer your question?" }),
    ]);
    [["Yes", true], ["No", false]].forEach(function (pair) {
      var b = el("button", { type: "button", class: "fq-small", text: pair[0] });
      b.addEventListener("click", function () { sendFeedback(row, resp, pair[1]); });
      row.appendChild(b);
    });
    return row;
  }

  function sendFeedback(row, resp, helpful) {
    row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    function after(message, handoff, failed) {
      var thanks = el("div", { class: "fq-thanks" }, [
        el("p", failed ? { class: "fq-error", role: "alert", text: message } : { text: message }),
      ]);
      // A "No" is a visitor who needs a person: shown the way even when the server could not take the feedback.
      var h = helpful ? null : handoffBlock(handoff || resp.handoff);
      if (h) thanks.appendChild(h);
      row.replaceWith(thanks);
      if (!helpful) log.scrollTop = log.scrollHeight;
      // The button pressed is gone: the keyboard goes to the way to a person, else back to the box
      // (left on the page's body, Escape no longer closed the panel and Tab started over).
      (thanks.querySelector("a") || input).focus();
    }
    post("/v1/feedback", { ref: resp.ref, helpful: helpful }).then(function (body) {
      after(helpful ? "Thanks for your feedback." : "Thanks, your feedback was noted.", body.handoff);
    }, function (err) {
      after("Your feedback could not be sent: " + err.message, null, true);
    });
  }

  function answerCard(resp) {
    var a = resp.answer;
    var card = el("article", { class: "fq-msg fq-bot", "aria-label": "Answer" });
    if (resp.read_as) card.appendChild(el("p", { class: "fq-meta", text: "Read as: " + resp.read_as }));
    if (a.question_answered) {
      card.appendChild(el("p", { class: "fq-answers", text: "Answers the question \u201c" + a.question_answered + "\u201d" }));
    }
    card.appendChild(prose("p", "fq-text fq-answer", a.text));
    var source = el("p", { class: "fq-source", text: "Source: " + a.source });
    var page = a.url && safeLink(a.url, "Open the page");
    if (page) { source.appendChild(document.createTextNode(" \u00b7 ")); source.appendChild(page); }
    card.appendChild(source);
    if (resp.notice) card.appendChild(el("p", { class: "fq-notice", role: "note", text: resp.notice }));
    var fb = feedbackRow(resp);
    if (fb) card.appendChild(fb);
    return card;
  }

  function declineCard(resp) {
    var card = el("article", { class: "fq-msg fq-bot fq-declined", "aria-label": "No answer" }, [
      el("p", { class: "fq-text", text: "The guide does not cover this question, so there is no answer to show." }),
    ]);
    if (resp.read_as) card.insertBefore(el("p", { class: "fq-meta", text: "Read as: " + resp.read_as }), card.firstChild);
    if (resp.suggestions && resp.suggestions.length) {
      card.appendChild(el("p", { class: "fq-lead", text: "Nearby topics the guide does cover:" }));
      var list = el("ul", { class: "fq-topics" });
      resp.suggestions.forEach(function (t) {
        var b = el("button", { type: "button", class: "fq-topic", text: t });
        b.addEventListener("click", function () { submit(t); });
        list.appendChild(el("li", {}, [b]));
      });
      card.appendChild(list);
    }
    var h = handoffBlock(resp.handoff);
    if (h) card.appendChild(h);
    return card;
  }

  function post(path, body) {
    // A server or proxy that never answers must not leave the widget waiting for good.
    var abort = typeof AbortController === "function" ? new AbortController() : null;
    var timer = abort && setTimeout(function () { abort.abort(); }, seconds * 1000);
    return fetch(server + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      signal: abort ? abort.signal : undefined,
    }).then(function (res) {
      return res.json().then(null, function () {
        if (abort && abort.signal.aborted) throw late();
        return null;
      }).then(function (data) {
        if (!res.ok) throw new Error((data && data.error) || "the help server answered HTTP " + res.status);
        if (!data || typeof data !== "object") throw new Error("the help server sent a reply that is not JSON");
        return data;
      });
    }, function () {
      if (abort && abort.signal.aborted) throw late();
      throw new Error("Cannot reach the help server; check your connection and try again.");
    }).finally(function () { clearTimeout(timer); });
  }

  function late() {
    return new Error("The help server did not answer within " + seconds + " s; try again.");
  }

  var busy = false;
  function submit(question) {
    question = String(question || "").trim();
    if (!question || busy) return;
    busy = true;
    ask.disabled = true;
    log.setAttribute("aria-busy", "true");
    say(el("p", { class: "fq-msg fq-you" }, [el("span", { class: "fq-sr", text: "You asked: " }), document.createTextNode(question)]));
    var wait = say(el("p", { class: "fq-wait", text: "Looking for an answer\u2026" }));
    input.value = "";
    post("/v1/ask", { question: question, k: K }).then(function (resp) {
      if (typeof resp.abstained !== "boolean") throw new Error("the help server sent a reply that is not an answer");
      var card = resp.abstained || !resp.answer ? declineCard(resp) : answerCard(resp);
      wait.remove();
      say(card);
    }).catch(function (err) { // the server's failure, or a reply that could not be drawn
      wait.remove();
      say(el("p", { class: "fq-error", role: "alert", text: err.message }));
    }).then(function () {
      busy = false;
      ask.disabled = false;
      log.removeAttribute("aria-busy");
      input.focus();
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(input.value); });

  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
