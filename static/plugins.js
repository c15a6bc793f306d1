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
          return mermaid.render('presenter-diagram-' + drawn, code.textContent).then(
            function (result) { holder.innerHTML = result.svg; },
            function (error) {
              holder.className += ' presenter-diagram-error';
              holder.textContent = 'This diagram has an error: ' + (error && error.message);
            },
          ).then(function () { code.parentElement.replaceWith(holder); });
        });
      }, Promise.resolve());
    }
    return {
      id: 'presenter-mermaid',
      init: function (deck) {
        var options = deck.getConfig().mermaid || {};
        window.mermaid.initialize(Object.assign({ theme: 'dark' }, options, {
          startOnLoad: false,
          securityLevel: 'strict',
        }));
        // Once the markdown plugin has made the code blocks.
        deck.on('ready', function () { render(deck.getSlidesElement()); });
      },
      render: render,
    };
  }

  var offered = {
    math: function () { return window.RevealMath && window.RevealMath.KaTeX; },
    zoom: function () { return window.RevealZoom; },
    search: function () { return window.RevealSearch; },
    mermaid: function () { return window.mermaid ? mermaidPlugin() : null; },
    menu: function () { return window.RevealMenu; },
  };

  /** The plugin objects for the names a deck asked for (unknown names left out). */
  window.presenterPlugins = function (names) {
    return (names || []).map(function (name) {
      return offered[name] ? offered[name]() : null;
    }).filter(Boolean);
  };
})();
