//! One statement, its SQL and its parameters written once, run on a [`Tx`] or a [`Db`] of either
//! backend:
//!
//! ```ignore
//! let n = execute!(tx, "UPDATE accounts SET office_head = $1 WHERE id = $2", head, id)?;
//! execute_one!(tx, "DELETE FROM holidays WHERE id = $1", id)?; // none touched: NotFound
//! let row = fetch_optional!(db, AccountRow, "SELECT … WHERE id = $1", id)?;
//! let rows = fetch_all!(db, AccountRow, sqlx::AssertSqlSafe(sql))?;
//! let (n,) = fetch_one!(db, (i64,), "SELECT COUNT(*) FROM petitions")?;
//! ```
//!
//! The macros answer `Result<_, sqlx::Error>` (so a caller can still map a unique violation to a
//! conflict) except [`execute_one!`](crate::execute_one), which answers [`crate::Result`].
//! [`on_tx!`](crate::on_tx) and [`on_db!`](crate::on_db) stay for what needs the connection
//! itself: statements built in a loop, streams, COPY.

use crate::{Db, Pool, Tx, TxConn};
use sqlx::pool::PoolConnection;
use sqlx::{Database, Postgres, Sqlite};
use std::ops::{Deref, DerefMut};

/// A connection of one backend: the transaction's own, or one taken from the pool for a single
/// statement (what running on the pool does anyway).
#[doc(hidden)]
pub enum Held<'a, DB: Database> {
    Borrowed(&'a mut DB::Connection),
    Pooled(PoolConnection<DB>),
}

impl<DB: Database> Deref for Held<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Held::Borrowed(c) => c,
            Held::Pooled(c) => c,
        }
    }
}

impl<DB: Database> DerefMut for Held<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Held::Borrowed(c) => c,
            Held::Pooled(c) => c,
        }
    }
}

/// The connection a statement runs on, per backend.
#[doc(hidden)]
pub enum Exec<'a> {
    Sqlite(Held<'a, Sqlite>),
    Postgres(Held<'a, Postgres>),
}

/// What a statement can run on: a transaction (`&mut Tx`) or the pool (`&Db`). A function that
/// reads or writes the same way in both takes `impl Target<'_>` and passes it to the macros.
pub trait Target<'a> {
    /// Where the statement runs: the transaction's connection, or the pool.
    fn source(self) -> Source<'a>;
}

impl<'a> Target<'a> for &'a mut Tx {
    fn source(self) -> Source<'a> {
        Source::Tx(&mut self.conn)
    }
}

impl<'a> Target<'a> for &'a Db {
    fn source(self) -> Source<'a> {
        Source::Pool(&self.pool)
    }
}

/// A transaction's connection or a pool, of either backend.
#[doc(hidden)]
pub enum Source<'a> {
    Tx(&'a mut TxConn),
    Pool(&'a Pool),
}

impl<'a> Source<'a> {
    /// The connection to run on: the transaction's own, or one taken from the pool.
    pub async fn connection(self) -> Result<Exec<'a>, sqlx::Error> {
        Ok(match self {
            Source::Tx(TxConn::Sqlite(t)) => Exec::Sqlite(Held::Borrowed(&mut **t)),
            Source::Tx(TxConn::Postgres(t)) => Exec::Postgres(Held::Borrowed(&mut **t)),
            Source::Pool(Pool::Sqlite(p)) => Exec::Sqlite(Held::Pooled(p.acquire().await?)),
            Source::Pool(Pool::Postgres(p)) => Exec::Postgres(Held::Pooled(p.acquire().await?)),
        })
    }
}

/// Run `$body` with `$c` bound to a connection of the target's backend (see [`Target`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __on_conn {
    ($target:expr, |$c:ident| $body:expr) => {
        match {
            // Unused where the caller has the trait in scope already (an `impl Target` parameter).
            #[allow(unused_imports)]
            use $crate::kit::sql::Target as _;
            ($target).source().connection().await
        } {
            Ok($crate::kit::sql::Exec::Sqlite(mut $c)) => $body,
            Ok($crate::kit::sql::Exec::Postgres(mut $c)) => $body,
            Err(e) => Err(e),
        }
    };
}

/// Run one statement on a `&mut Tx` or `&Db` with the given parameters: the rows it touched.
#[macro_export]
macro_rules! execute {
    ($target:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query($sql)
            $(.bind($arg))*
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))
    };
}

/// An update or delete by key that must touch a row: none touched is
/// [`StoreError::NotFound`](crate::StoreError::NotFound). Answers [`crate::Result<()>`].
#[macro_export]
macro_rules! execute_one {
    ($target:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $crate::execute!($target, $sql $(, $arg)*) {
            Ok(n) => $crate::kit::touched_one(n),
            Err(e) => Err($crate::StoreError::from(e)),
        }
    };
}

/// Run a query answering rows of type `$row` with the given fetch method.
#[doc(hidden)]
#[macro_export]
macro_rules! __fetch {
    ($fetch:ident, $target:expr, $row:ty, $sql:expr $(, $arg:expr)*) => {
        $crate::__on_conn!($target, |c| ::sqlx::query_as::<_, $row>($sql)
            $(.bind($arg))*
            .$fetch(&mut *c)
            .await)
    };
}

/// The one row of type `$row` a query must answer (none is `sqlx::Error::RowNotFound`).
#[macro_export]
macro_rules! fetch_one {
    ($target:expr, $row:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__fetch!(fetch_one, $target, $row, $sql $(, $arg)*)
    };
}

/// The row of type `$row` a query answers, if any.
#[macro_export]
macro_rules! fetch_optional {
    ($target:expr, $row:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__fetch!(fetch_optional, $target, $row, $sql $(, $arg)*)
    };
}

/// Every row of type `$row` a query answers.
#[macro_export]
macro_rules! fetch_all {
    ($target:expr, $row:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__fetch!(fetch_all, $target, $row, $sql $(, $arg)*)
    };
}
