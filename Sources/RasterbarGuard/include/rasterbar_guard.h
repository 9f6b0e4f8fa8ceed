// The crash guard around every call into a scene script.
//
// Why C: catching a trap means sigsetjmp before the call and siglongjmp out
// of a signal handler, which Swift cannot express. Measured with Swift 6.3
// on Linux x86-64 (ScriptTests provokes each one): fatalError, index out of range, division by zero and
// force-unwrapping nil arrive as SIGILL (or SIGTRAP), bad pointers as SIGSEGV
// or SIGBUS; after the jump the host keeps running and can still do dynamic
// casts. Outside guarded calls every signal goes to the handler that was
// installed before (the Swift runtime's backtracer, or the default).
#ifndef RASTERBAR_GUARD_H
#define RASTERBAR_GUARD_H

/// Installs the handlers (once per process; later calls only add an alternate
/// signal stack for the calling thread, so a stack overflow can be caught too).
void rb_guard_install(void);

/// Calls fn(context). Returns 0 when it returned normally, or the number of
/// the signal (SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGABRT) that ended it.
/// Guarded calls may nest; the innermost catches.
int rb_guard_call(void (*fn)(void *context), void *context);

/// "SIGILL" and so on.
const char *rb_guard_signal_name(int signal);

#endif
