// The reveal.js plugins a Markdown deck asks for (its front matter's
// `plugins`), for the live pages (audience.js) and for exported copies
// (static-view.js). A classic script, not a module: exported copies open from
// file://, where browsers refuse module scripts.
(function () {
  'use strict';

  // Mermaid diagrams from ```mermaid blocks. Each diagram is drawn by
  // mermaid.render, which lays it out in a scratch element of its own: slides
  // that are not shown have no size, and a diagram measured there comes out
  // broken. The same text and options give every page the same drawing.
  function mermaidPlugin() {
    var drawn = 0;
    function render(root) {
      var mermaid = window.mermaid;
      var blocks = Array.prototype.slice.call(root.querySelectorAll('pre > code.mermaid, pre > code.language-mermaid'));
      return blocks.reduce(function (previous, code) {
        return previous.then(function () {
          var holder = document.createElement('div');
          holder.className = 'presenter-diagram';
          drawn += 1;
          var id = 'presenter-diagram-' + drawn;
          return mermaid.render(id, code.textContent).then(
            function (result) { holder.innerHTML = result.svg; },
            function (error) {
              holder.className += ' presenter-diagram-error';
              holder.textContent = 'This diagram has an error: ' + (error && error.message);
              // What mermaid left of its scratch drawing would print as a page of its own.
              var scratch = document.getElementById('d' + id);
              if (scratch) scratch.remove();
            },
          ).then(function () { code.parentElement.replaceWith(holder); });
        });
      }, Promise.resolve());
    }
    return {
      id: 'presenter-mermaid',
      init: function (deck) {
        var options = deck.getConfig().mermaid || {};
        window.mermaid.initialize(Object.assign({ theme: darkPage() ? 'dark' : 'default' }, options, {
          startOnLoad: false,
          securityLevel: 'strict',
          suppressErrorRendering: true,
        }));
        // Once the markdown plugin has made the code blocks.
        deck.on('ready', function () { render(deck.getSlidesElement()); });
      },
      render: render,
    };
  }

  // Whether the deck's theme is dark: its page's background, whatever the theme.
  function darkPage() {
    var viewport = document.querySelector('.reveal-viewport') || document.body;
    var rgb = (getComputedStyle(viewport).backgroundColor.match(/[\d.]+/g) || []).map(Number);
    if (rgb.length < 3 || rgb[3] === 0) return true; // reveal.js's default theme is black
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 128;
  }

  // reveal.js's KaTeX plugin typesets the slides once, at start, with these
  // defaults and the deck's `katex` options; slides that come later (a live
  // reload, the speaker view's preview) are typeset the same way here.
  var KATEX_DEFAULTS = {
    delimiters: [
      { left: '$$', right: '$$', display: true },
      { left: '$', right: '$', display: false },
      { left: '\\(', right: '\\)', display: false },
      { left: '\\[', right: '\\]', display: true },
    ],
    ignoredTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code'],
  };
  function typeset(deck, root) {
    if (!deck.hasPlugin('katex') || typeof window.renderMathInElement !== 'function') return;
    var options = Object.assign({}, KATEX_DEFAULTS, deck.getConfig().katex || {});
    delete options.local;
    delete options.version;
    delete options.extensions;
    window.renderMathInElement(root, options);
  }

  // S, as in reveal.js, opens the speaker's window: ours, the speaker view,
  // which holds the notes (audience pages never do) and asks for the secret
  // in a browser that has not logged in.
  function notesPlugin(speakerView) {
    return {
      id: 'presenter-notes',
      init: function (deck) {
        deck.addKeyBinding({ keyCode: 83, key: 'S', description: 'Open the speaker view' }, function () {
          window.open(speakerView, 'presenter-speaker-view');
        });
      },
    };
  }

  var offered = {
    math: function () { return window.RevealMath && window.RevealMath.KaTeX; },
    zoom: function () { return window.RevealZoom; },
    search: function () { return window.RevealSearch; },
    notes: function (page) { return page.speakerView ? notesPlugin(page.speakerView) : null; },
    mermaid: function () { return window.mermaid ? mermaidPlugin() : null; },
    menu: function (page) { return page.framed ? null : window.RevealMenu; },
    chalkboard: function (page) { return page.framed ? null : window.RevealChalkboard; },
    // Its buttons' `onclick` actions are allowed by the page's policy, by hash.
    customcontrols: function (page) { return page.framed ? null : window.RevealCustomControls; },
  };

  /**
   * The plugin objects for the names a deck asked for (unknown names left
   * out). `page` says where: `framed` for the speaker view's frames (no menu,
   * no drawing there), `speakerView` the URL S opens (none: S does nothing).
   */
  window.presenterPlugins = function (names, page) {
    var where = page || {};
    return (names || []).map(function (name) {
      return offered[name] ? offered[name](where) : null;
    }).filter(Boolean);
  };
  /** Typeset the math of slides added after start (see KATEX_DEFAULTS). */
  window.presenterPlugins.typeset = typeset;
})();
