/* live.js: the navigation's notification count, kept up to date while a
   page is open. The page works the same without it: the count is right
   when the page is made, and a reload shows new notifications.

   The count's link carries data-live, the address of this account's
   EventSource stream (nginx's nchan module; only its owner may open it).
   Each message is {"unread": N}. On a notifications page, a banner offers
   to reload the list when a new one arrives. */
(function () {
  "use strict";
  var link = document.getElementById("nav-notifications");
  if (!link || !window.EventSource) {
    return;
  }
  var url = link.getAttribute("data-live");
  if (!url) {
    return;
  }
  var count = document.getElementById("nav-unread");
  var shown = count ? parseInt(count.textContent.replace(/\D/g, ""), 10) || 0 : 0;

  function show(unread) {
    if (count) {
      count.textContent = "(" + unread + ")";
    }
    link.setAttribute("aria-label", "Notifications: " +
      (unread ? unread + " unread" : "none unread"));
    var banner = document.getElementById("live-banner");
    if (banner && unread > shown) {
      banner.hidden = false;
    }
    shown = unread;
  }

  var source = new EventSource(url);
  source.onmessage = function (event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (data && typeof data.unread === "number") {
      show(data.unread);
    }
  };
  /* A refused or lost stream: the browser retries by itself; a page
     left open after logging out simply stops updating. */
})();
