// Package kql is wsec's compiler front end for the Kusto Query Language:
// lexer, parser (an AST with source positions), printer, and semantic check
// against the workspace's table schemas.
//
// Why: analysts know KQL, and Microsoft Sentinel's detection content is
// written in it. wsec speaks KQL so that content runs unmodified. The
// compiler is a real one (not a rewriter of query text) so errors point at
// the analyst's line and column, unknown names suggest the nearest one, and
// the meaning of every operator is decided once, here, independent of the
// store's SQL engine (package kql/sql turns the checked Plan into SQL for a
// dialect: DuckDB now, ClickHouse later).
//
// What is promised:
//   - Parse never panics and never loops on any input. It returns every
//     error it finds as an ErrorList sorted by position, each reading like
//     "line 3, column 14: expected ')' after argument list, found '|'".
//     Input is bounded by the limits in limits.go.
//   - Print(q) writes a canonical form that parses back to the same tree;
//     printing that again gives the same text (print → parse is stable).
//   - Check(q, catalog) resolves every name (columns, let statements, user
//     functions, tables) and every type, or reports positioned errors with
//     "did you mean" suggestions. On success the Plan is fully resolved:
//     let values and user functions are inlined, operators are reduced to a
//     small relational algebra (Scan, Filter, Project, Aggregate, Sort,
//     Limit, Join, Union, MvExpand, ...), and output columns carry KQL types.
//   - KQL semantics are encoded in the Plan, not left to the SQL engine:
//     sort defaults to descending with nulls last; extend moves a replaced
//     column to the end; join defaults to innerunique; clashing join columns
//     get a numeric suffix; strings are never null (an absent string is "").
//
// What is not done here: evaluation. A Plan is data; kql/sql compiles it.
// Constant folding that needs the clock (ago, now) happens at SQL compile
// time with the caller's notion of now.
//
// Open rows: after evaluate bag_unpack or pivot, a row has columns whose
// names are only known from the data. The Plan keeps them in a hidden
// dynamic column (BagColumn); names that are not real columns resolve to
// its properties, and the output marks it Expand so the query API can
// spread it into columns.
//
// What KQL covers: COVERAGE.md lists every operator, scalar and aggregation
// function and evaluate plugin of the KQL reference as supported, an alias,
// or refused; it is generated from the code (go generate ./internal/kql) and
// TestCoverageDoc fails when it is stale. A refused name gets an error
// saying it is part of KQL but not supported by wsec.
//
// Where wsec differs from Kusto on purpose or by approximation:
//   - series_decompose_anomalies and series_decompose do not autodetect
//     seasonality (-1 means none here, with a warning); the seasonal
//     component is the mean of the detrended values of each phase; the
//     anomaly score is the distance outside the residuals'
//     [10th, 90th] (ctukey) or [25th, 75th] (tukey) percentile range divided
//     by its width (by 1 when the range is empty). Test_points other than 0
//     is refused.
//   - The legacy Event table is a view over WindowsEvent (see EventTable);
//     RenderedDescription is empty and wildcard unions skip it.
package kql
