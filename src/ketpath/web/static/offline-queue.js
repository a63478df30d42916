// ketpath: entries logged while offline wait in IndexedDB and are sent when the connection
// returns (issue 14, point 4). Also registers the service worker (static/sw.js).
// Loaded with <script src> from base.html (the Content-Security-Policy allows no inline
// script); data-account on that tag is the signed-in person's account id, empty otherwise.
//
// - A Log form (action /log/<kind>: use, craving, mood...) submitted while the browser is
//   offline is not sent: its fields, the moment it was made and a fresh idempotency key
//   (crypto.randomUUID) are stored in IndexedDB, and the page says what is waiting
//   ("2 entries waiting to sync"). Online, forms post as they always did.
// - When the connection returns (the "online" event), on every page load and when the
//   page is shown again, each waiting entry is POSTed to /offline/entries with its key,
//   oldest first, and removed only after a 2xx. A POST cut off after the server stored it
//   is sent again with the same key, and the server stores nothing new (web/offline.py).
// - An entry the server refuses (422: say, a time in the future) would be refused on
//   every try; it is kept, marked with the reason, and shown with a button to discard it.
// - Entries belong to the account that made them and are sent only while that account is
//   signed in; they stay on the device over a logout, because dropping them would lose
//   what the person logged, and sending them under another account would file them in
//   someone else's history.
//
// Background Sync (sending from the worker with no page open) is not used: the worker
// cannot tell which account the browser's session cookie belongs to, so it could send one
// person's entries into another's history on a shared phone; and only Chromium has it.
// The next page load sends them instead.
(function () {
  "use strict";
  var script = document.currentScript;
  var account = (script && script.getAttribute("data-account")) || "";
  var DB_NAME = "ketpath-offline";
  var STORE = "entries";
  var LOG_ACTION = /^\/log\/([a-z-]+)$/;
  var ENDPOINT = "/offline/entries";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // No worker (private window, old browser): the app works online as before.
    });
  }
  if (!("indexedDB" in window)) {
    return;
  }

  function openDatabase() {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = function () {
        opening.result.createObjectStore(STORE, { keyPath: "key" });
      };
      opening.onsuccess = function () {
        resolve(opening.result);
      };
      opening.onerror = function () {
        reject(opening.error);
      };
    });
  }

  function inStore(mode, work) {
    return openDatabase().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  // The signed-in account's entries; on a page with no one signed in (the login page, the
  // offline page), every entry on the device, to be counted, never sent.
  function ownEntries() {
    return inStore("readonly", function (store) {
      return store.getAll();
    }).then(function (entries) {
      return entries
        .filter(function (entry) {
          return !account || entry.account === account;
        })
        .sort(function (a, b) {
          return a.made_at < b.made_at ? -1 : a.made_at > b.made_at ? 1 : 0;
        });
    });
  }

  function save(entry) {
    return inStore("readwrite", function (store) {
      store.put(entry);
    });
  }

  function remove(key) {
    return inStore("readwrite", function (store) {
      store.delete(key);
    });
  }

  // ------------------------------------------------------------ what the page says

  var status = null;
  var lastSent = 0;

  function statusElement() {
    if (status) {
      return status;
    }
    status = document.createElement("div");
    status.className = "sync-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    var main = document.getElementById("main") || document.body;
    main.insertBefore(status, main.firstChild);
    return status;
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function paragraph(text) {
    var p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  function discardButton(entry) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = "Discard this entry";
    button.addEventListener("click", function () {
      remove(entry.key).then(showStatus);
    });
    return button;
  }

  function showStatus() {
    return ownEntries().then(function (entries) {
      var element = statusElement();
      var waiting = entries.filter(function (entry) {
        return !entry.problem;
      });
      var refused = entries.filter(function (entry) {
        return entry.problem;
      });
      element.textContent = "";
      if (!navigator.onLine) {
        element.appendChild(
          paragraph("You are offline. This page is as it was when last opened here.")
        );
      }
      if (waiting.length) {
        element.appendChild(
          paragraph(
            plural(waiting.length, "entry", "entries") +
              " waiting to sync. " +
              (account
                ? "They are kept on this device and sent when the connection returns."
                : "They are kept on this device and sent when you are signed in and online.")
          )
        );
      } else if (lastSent) {
        element.appendChild(paragraph(plural(lastSent, "entry", "entries") + " sent and saved."));
      }
      (account ? refused : []).forEach(function (entry) {
        var p = paragraph("An entry made offline could not be saved: " + entry.problem + ". ");
        p.appendChild(discardButton(entry));
        element.appendChild(p);
      });
      element.hidden = !element.firstChild;
    });
  }

  // ------------------------------------------------------------ queueing and sending

  function formFields(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter || null);
    } catch (error) {
      data = new FormData(form); // browsers before the submitter argument
      if (submitter && submitter.name) {
        data.append(submitter.name, submitter.value);
      }
    }
    var fields = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") {
        fields.push([name, value]);
      }
    });
    return fields;
  }

  function queue(form, kind, submitter) {
    var entry = {
      key: crypto.randomUUID(),
      account: account,
      kind: kind,
      fields: formFields(form, submitter),
      made_at: new Date().toISOString(),
      problem: null,
    };
    return save(entry).then(function () {
      form.reset();
      form.querySelectorAll("details[open]").forEach(function (details) {
        details.open = false;
      });
      lastSent = 0;
      return showStatus();
    });
  }

  // True to go on with the next entry, false to stop and try again later.
  function send(entry) {
    return fetch(ENDPOINT, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": entry.key,
      },
      body: JSON.stringify({ kind: entry.kind, fields: entry.fields, made_at: entry.made_at }),
    }).then(
      function (response) {
        if (response.ok) {
          lastSent += 1;
          return remove(entry.key).then(function () {
            return true;
          });
        }
        if (response.status === 422) {
          return response.json().then(function (body) {
            entry.problem = String(body.detail || "refused");
            return save(entry).then(function () {
              return true;
            });
          });
        }
        return false; // signed out (401), busy (5xx): later
      },
      function () {
        return false; // the network again
      }
    );
  }

  var flushing = null;

  function flush() {
    if (flushing) {
      return flushing;
    }
    if (!account || !navigator.onLine) {
      return showStatus();
    }
    flushing = ownEntries()
      .then(function (entries) {
        var pending = entries.filter(function (entry) {
          return !entry.problem;
        });
        return pending.reduce(function (previous, entry) {
          return previous.then(function (goOn) {
            return goOn ? send(entry) : false;
          });
        }, Promise.resolve(true));
      })
      .catch(function () {
        return false;
      })
      .then(function () {
        flushing = null;
        return showStatus();
      });
    return flushing;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!account || navigator.onLine || !(form instanceof HTMLFormElement)) {
      return;
    }
    var match = LOG_ACTION.exec(new URL(form.action, location.href).pathname);
    if (!match || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    event.preventDefault();
    queue(form, match[1], event.submitter);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && new URL(form.action, location.href).pathname === "/logout") {
      var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (worker) {
        worker.postMessage("logout");
      }
    }
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", showStatus);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      flush();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", flush);
  } else {
    flush();
  }
})();
