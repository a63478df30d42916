// The app lock's screen tells the service worker to forget the Today page it keeps for
// offline use, so that nothing with health data can be shown from the cache behind the lock.
(function () {
  "use strict";
  if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage("lock");
  }
})();
