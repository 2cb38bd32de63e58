//! Which database errors mean "the database cannot serve this now, retry
//! later" (HTTP 503, `DATABASE_UNAVAILABLE`), as opposed to a fault in
//! Redress (500) or a refusal (a user error).

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

/// Why the database could not serve a request, in words fit for a log line
/// (an error class and code, never a message that could quote data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable {
    pub reason: String,
    /// The connection itself failed (as opposed to the database refusing a
    /// write for lack of space, say): worth probing the database at once.
    pub connection_lost: bool,
}

/// Classifies a database error. `None`: not an availability problem.
pub fn classify(error: &DbErr) -> Option<Unavailable> {
    let lost = |reason: String| {
        Some(Unavailable {
            reason,
            connection_lost: true,
        })
    };
    match error {
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => Some(Unavailable {
            reason: "no connection free in time".into(),
            connection_lost: false,
        }),
        DbErr::ConnectionAcquire(e) => lost(format!("no connection: {e}")),
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => classify_sqlx(e),
        DbErr::Conn(RuntimeErr::Internal(_)) => lost("connection error".into()),
        _ => None,
    }
}

fn classify_sqlx(error: &sqlx::Error) -> Option<Unavailable> {
    let lost = |reason: String| {
        Some(Unavailable {
            reason,
            connection_lost: true,
        })
    };
    match error {
        sqlx::Error::Io(e) => lost(format!("i/o: {:?}", e.kind())),
        sqlx::Error::Tls(_) => lost("tls".into()),
        // A full pool is load, not a lost database: retry later, but no
        // reason to probe the database.
        sqlx::Error::PoolTimedOut => Some(Unavailable {
            reason: "no connection free in time".into(),
            connection_lost: false,
        }),
        sqlx::Error::PoolClosed => lost("pool closed".into()),
        sqlx::Error::WorkerCrashed => lost("sqlite worker crashed".into()),
        sqlx::Error::Protocol(_) => lost("protocol error".into()),
        sqlx::Error::BeginFailed => lost("BEGIN failed".into()),
        sqlx::Error::Database(e) => {
            // Decide the backend by the error's type: PostgreSQL's SQLSTATEs
            // are often all digits too (08006, 53100, 22021, …).
            let code = e.code()?;
            if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                postgres_code(&code)
            } else if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                sqlite_code(&code)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// SQLite primary result codes (the low byte of the extended code).
fn sqlite_code(code: &str) -> Option<Unavailable> {
    let primary = code.parse::<i32>().ok()? & 0xff;
    let (reason, connection_lost) = match primary {
        5 => ("database busy (SQLITE_BUSY)", false),
        6 => ("table locked (SQLITE_LOCKED)", false),
        7 => ("out of memory (SQLITE_NOMEM)", false),
        8 => ("read-only (SQLITE_READONLY)", false),
        10 => ("i/o error (SQLITE_IOERR)", false),
        13 => ("disk full (SQLITE_FULL)", false),
        14 => ("cannot open (SQLITE_CANTOPEN)", true),
        15 => ("lock protocol (SQLITE_PROTOCOL)", false),
        _ => return None,
    };
    Some(Unavailable {
        reason: format!("{reason}, code {code}"),
        connection_lost,
    })
}

/// PostgreSQL SQLSTATEs of classes 08 (connection exception), 53
/// (insufficient resources: disk full, out of memory, too many
/// connections), 57P01–57P05 (shutdown, cannot connect now) and 58 (system
/// error).
fn postgres_code(code: &str) -> Option<Unavailable> {
    let connection_lost = code.starts_with("08") || code.starts_with("57P");
    let resources = code.starts_with("53") || code.starts_with("58");
    (connection_lost || resources).then(|| Unavailable {
        reason: format!("SQLSTATE {code}"),
        connection_lost,
    })
}

/// PostgreSQL refused for want of resources (SQLSTATE class 53: too many
/// connections, out of memory, disk full): the server is there and answers.
pub fn is_resource_refusal(error: &DbErr) -> bool {
    match error {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e.as_database_error().is_some_and(|d| {
            d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some_and(|pg| pg.code().starts_with("53"))
        }),
        _ => false,
    }
}

/// A short description of any database error for a log line: the class
/// and code, never the message (which can quote stored values).
pub fn describe(error: &DbErr) -> String {
    if let Some(u) = classify(error) {
        return u.reason;
    }
    match error {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_database_error() {
            Some(d) => format!("database error {}", d.code().unwrap_or_default()),
            None => "database driver error".into(),
        },
        _ => "database error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_table() {
        // (extended code, unavailable?, connection lost?)
        let table = [
            ("13", true, false),    // SQLITE_FULL
            ("10", true, false),    // SQLITE_IOERR
            ("3850", true, false),  // SQLITE_IOERR_WRITE (10 | 15 << 8)
            ("5", true, false),     // SQLITE_BUSY
            ("517", true, false),   // SQLITE_BUSY_SNAPSHOT
            ("7", true, false),     // SQLITE_NOMEM
            ("14", true, true),     // SQLITE_CANTOPEN
            ("19", false, false),   // SQLITE_CONSTRAINT
            ("2067", false, false), // SQLITE_CONSTRAINT_UNIQUE
            ("1", false, false),    // SQLITE_ERROR
        ];
        for (code, unavailable, lost) in table {
            let got = sqlite_code(code);
            assert_eq!(got.is_some(), unavailable, "code {code}");
            if let Some(u) = got {
                assert_eq!(u.connection_lost, lost, "code {code}");
            }
        }
    }

    #[test]
    fn postgres_codes_table() {
        let table = [
            ("08006", true, true),   // connection_failure
            ("08001", true, true),   // unable to connect
            ("57P01", true, true),   // admin_shutdown
            ("57P03", true, true),   // cannot_connect_now
            ("53100", true, false),  // disk_full
            ("53300", true, false),  // too_many_connections
            ("58030", true, false),  // io_error
            ("23505", false, false), // unique_violation
            ("40001", false, false), // serialization_failure
            ("25P02", false, false), // in_failed_sql_transaction
        ];
        for (code, unavailable, lost) in table {
            let got = postgres_code(code);
            assert_eq!(got.is_some(), unavailable, "code {code}");
            if let Some(u) = got {
                assert_eq!(u.connection_lost, lost, "code {code}");
            }
        }
    }

    #[test]
    fn pool_and_connection_errors_are_unavailable() {
        let timeout = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        assert!(classify(&timeout).is_some_and(|u| !u.connection_lost));
        let closed = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::ConnectionClosed);
        assert!(classify(&closed).is_some_and(|u| u.connection_lost));
        let io = DbErr::Conn(RuntimeErr::SqlxError(std::sync::Arc::new(sqlx::Error::Io(
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        ))));
        assert!(classify(&io).is_some_and(|u| u.connection_lost));
        assert!(classify(&DbErr::RecordNotFound("x".into())).is_none());
    }
}
