// The deck page of a site made by `presenter export`: no server behind it,
// so no live connection and none of presenter's controls; reveal.js's own
// keys, clicks and swipes navigate. A classic script, not a module:
// browsers refuse module scripts on file:// pages, and this page must open
// from a folder with no network.
(function () {
  'use strict';
  var node = document.getElementById('presenter-config');
  var config = node ? JSON.parse(node.textContent) : {};

  function show() {
    document.documentElement.classList.remove('presenter-pending');
  }

  // The plugins a Markdown deck asked for (front matter `plugins`), made by
  // static/plugins.js as for the live pages.
  var asked = window.presenterPlugins ? window.presenterPlugins(config.plugins) : [];

  var Reveal = window.Reveal;
  if (config.kind === 'markdown' && Reveal && !Reveal.isReady()) {
    // reveal.js's own plugins render the slides: Markdown first, then code,
    // then what the deck asked for.
    var options = Object.assign({}, config.reveal || {}, {
      plugins: [window.RevealMarkdown, window.RevealHighlight].concat(asked).filter(Boolean),
    });
    Reveal.initialize(options).then(show, show);
  } else {
    show();
  }
  // Never leave the page hidden, whatever happens above.
  setTimeout(show, 3000);
})();
