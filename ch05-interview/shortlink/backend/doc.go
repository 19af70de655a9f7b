// Package backend is what the shortlink drill builds on and does not ask
// you to write: the SQLite table of links, a Snowflake id source, and two
// caches behind one interface (an in-process LRU, and Redis). The exercise,
// the solution and the suite all use these, so the suite can count what
// reaches the database and the cache.
package backend
