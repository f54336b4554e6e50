//! The deadline of an operation of the async socket, kept as a tokio
//! timer; and, for reads and writes through `AsyncRead` and `AsyncWrite`,
//! which have no future to keep it in, the operation under way on each side
//! with its deadline (see [`SslSocket`](crate::tokio::SslSocket)).

use std::future::Future;
use std::pin::Pin;
use std::task::Context;
use std::time::Duration;

use ::tokio::time::{sleep_until, Instant, Sleep};

use crate::error::operation::Operation;

/// An operation of [`AsyncRead`] or [`AsyncWrite`], which the socket keeps
/// the deadline of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Handshake,
    Read,
    Write,
    Flush,
    Shutdown,
}

impl Kind {
    pub(crate) fn operation(self) -> Operation {
        match self {
            Kind::Handshake => Operation::Handshake,
            Kind::Read => Operation::Read,
            Kind::Write | Kind::Flush => Operation::Write,
            Kind::Shutdown => Operation::Shutdown,
        }
    }
}

/// When an operation must be over: its limit from when it started, with
/// the timer that wakes its task then (made the first time it waits).
#[derive(Debug)]
pub(crate) struct Deadline {
    pub(crate) limit: Option<Duration>,
    /// `None`: no limit, or one too large for the clock.
    pub(crate) at: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Deadline {
    /// `limit` from now.
    pub(crate) fn start(limit: Option<Duration>) -> Deadline {
        Deadline {
            limit,
            at: limit.and_then(|l| Instant::now().checked_add(l)),
            timer: None,
        }
    }

    /// Whether the deadline has passed; if not, `cx`'s task is woken when
    /// it does.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(at) = self.at else {
            return false;
        };
        let timer = self.timer.get_or_insert_with(|| Box::pin(sleep_until(at)));
        timer.as_mut().poll(cx).is_ready()
    }
}
