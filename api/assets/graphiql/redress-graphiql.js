// Starts GraphiQL on the page served at GET /graphql. A file of its own, not
// an inline script, so the page's Content-Security-Policy needs no
// 'unsafe-inline'. GraphiQL keeps the headers (the bearer token) in memory
// only: shouldPersistHeaders stays false.
(function () {
  'use strict';
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
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
    }),
  );
})();
