// Starts GraphiQL on the page served at GET /graphql. A file of its own, not
// an inline script, so the page's Content-Security-Policy needs no
// 'unsafe-inline'.
//
// GraphiQL keeps its tabs, history, variables and headers (the bearer
// token) in this page's memory, never in the browser's storage: its history
// would otherwise store each query's headers in localStorage whatever
// shouldPersistHeaders says, and variables and responses may hold patients'
// details. A reload starts afresh.
(function () {
  'use strict';
  // GraphiQL's dialogs (react-remove-scroll) add a <style> element while
  // open; it carries this nonce, which the page's policy allows for this
  // response only.
  var nonce = document.querySelector('meta[name="redress-style-nonce"]');
  if (nonce) {
    window.__webpack_nonce__ = nonce.getAttribute('content');
  }
  var defaultQuery = [
    '# Redress GraphiQL',
    '#',
    '# Paste your token in the Headers tab below, as',
    '#   { "Authorization": "Bearer <token>" }',
    '# It is kept in this page only, never stored in the browser.',
    '',
    'query Me {',
    '  __typename',
    '}',
    '',
  ].join('\n');
  var memory = {};
  var storage = {
    getItem: function (key) {
      return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    },
    setItem: function (key, value) {
      memory[key] = String(value);
    },
    removeItem: function (key) {
      delete memory[key];
    },
    clear: function () {
      memory = {};
    },
    get length() {
      return Object.keys(memory).length;
    },
  };
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
      storage: storage,
    }),
  );
})();
