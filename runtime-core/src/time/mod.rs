//! Timers: sleeping, timeouts and intervals.
