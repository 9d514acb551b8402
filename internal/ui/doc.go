// Package ui serves wsec's web interface: the single-page application
// built from web/ (see web/README.md) and committed under dist/, embedded
// in the binary so `wsec serve` and `wsec demo` need neither npm nor the
// network to show it.
//
// Promises:
//   - GET / and every path that is not an API path answer index.html (the
//     application routes on the client), so a reload or a shared link to
//     /logs or /incidents/7 works.
//   - Files under /assets/ are served as built, gzip-compressed when the
//     client accepts it, with an ETag of their content; a missing asset is
//     a 404, never index.html.
//   - Paths under /v1/ and /api/ are never answered with the page: an
//     unknown API path gets the server's 404 JSON error.
//   - Pages are static and public; every piece of data comes from the JSON
//     APIs, which authenticate each request. The answers carry a Content
//     Security Policy that allows scripts from this origin only.
package ui
