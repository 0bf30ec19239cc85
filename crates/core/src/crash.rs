//! Naming the plugin that killed the process.
//!
//! A plugin that aborts, or crashes with a segmentation fault, takes the whole
//! process down: that cannot be caught in-process (the SDK catches panics, not
//! aborts). What textmill can do is say which plugin it was. Every call into a
//! plugin marks the plugin busy in a fixed table; a handler for the fatal
//! signals writes the busy plugins' names and files to stderr with `write(2)`
//! (nothing else is safe in a signal handler) and re-raises the signal.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// Most plugins the table can name (libraries beyond it still work, unnamed).
const SLOTS: usize = 64;

struct Slot {
    /// Leaked `"name (file)"` bytes; null when the slot is free.
    label: AtomicPtr<u8>,
    label_len: AtomicUsize,
    /// Calls into this plugin in progress.
    busy: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    label: AtomicPtr::new(std::ptr::null_mut()),
    label_len: AtomicUsize::new(0),
    busy: AtomicUsize::new(0),
};
static TABLE: [Slot; SLOTS] = [FREE; SLOTS];
static USED: AtomicUsize = AtomicUsize::new(0);

/// A plugin's entry in the table.
#[derive(Debug, Clone, Copy)]
pub struct PluginSlot(Option<usize>);

/// Register a loaded plugin under a label such as `dedupe (/path/lib.so)`.
pub fn register(label: String) -> PluginSlot {
    let i = USED.fetch_add(1, Ordering::SeqCst);
    if i >= SLOTS {
        return PluginSlot(None);
    }
    // Leaked on purpose: the handler may read it at any moment until exit.
    let bytes: &'static mut [u8] = Box::leak(label.into_bytes().into_boxed_slice());
    TABLE[i].label_len.store(bytes.len(), Ordering::SeqCst);
    TABLE[i].label.store(bytes.as_mut_ptr(), Ordering::SeqCst);
    PluginSlot(Some(i))
}

/// Marks a plugin busy for the guard's lifetime.
pub struct Busy(Option<usize>);

impl PluginSlot {
    /// Mark the plugin busy until the guard drops.
    pub fn enter(self) -> Busy {
        if let Some(i) = self.0 {
            TABLE[i].busy.fetch_add(1, Ordering::SeqCst);
        }
        Busy(self.0)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            TABLE[i].busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(unix)]
extern "C" fn on_fatal_signal(sig: libc::c_int) {
    let write = |b: &[u8]| {
        // SAFETY: write(2) is async-signal-safe; the buffer is valid.
        unsafe { libc::write(2, b.as_ptr() as *const libc::c_void, b.len()) };
    };
    let n = USED.load(Ordering::SeqCst).min(SLOTS);
    let mut named = false;
    for slot in TABLE.iter().take(n) {
        if slot.busy.load(Ordering::SeqCst) == 0 {
            continue;
        }
        let ptr = slot.label.load(Ordering::SeqCst);
        if ptr.is_null() {
            continue;
        }
        // SAFETY: the label is a leaked, never-freed allocation of label_len bytes.
        let label =
            unsafe { std::slice::from_raw_parts(ptr, slot.label_len.load(Ordering::SeqCst)) };
        write(b"textmill: the process died (fatal signal) inside plugin ");
        write(label);
        write(b"; an abort or crash in a plugin cannot be caught: fix or remove that plugin, then run again with --resume\n");
        named = true;
    }
    if !named {
        write(b"textmill: fatal signal outside any plugin call\n");
    }
    // SAFETY: restore the default action and re-raise, so the exit status shows the signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Install the handler for SIGABRT, SIGSEGV, SIGBUS, SIGILL and SIGFPE (Unix; once, at start).
pub fn install_handler() {
    #[cfg(unix)]
    for sig in [
        libc::SIGABRT,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
    ] {
        // SAFETY: installing a handler that only calls async-signal-safe functions.
        unsafe { libc::signal(sig, on_fatal_signal as *const () as libc::sighandler_t) };
    }
}
