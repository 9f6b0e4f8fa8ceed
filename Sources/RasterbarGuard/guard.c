#define _GNU_SOURCE
#include "rasterbar_guard.h"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const int guarded_signals[] = {SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGABRT};
#define GUARDED_COUNT (sizeof guarded_signals / sizeof guarded_signals[0])

static struct sigaction previous[GUARDED_COUNT];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static __thread sigjmp_buf *current_jump;
static __thread volatile sig_atomic_t caught_signal;
static __thread int has_alt_stack;

static void chain(int sig, siginfo_t *info, void *ucontext) {
    for (size_t i = 0; i < GUARDED_COUNT; i++) {
        if (guarded_signals[i] != sig) continue;
        struct sigaction *old = &previous[i];
        if (old->sa_flags & SA_SIGINFO) {
            if (old->sa_sigaction) { old->sa_sigaction(sig, info, ucontext); return; }
        } else if (old->sa_handler == SIG_IGN) {
            return;
        } else if (old->sa_handler != SIG_DFL && old->sa_handler) {
            old->sa_handler(sig);
            return;
        }
        // Default action: restore it and let the signal take the process down
        // (a fault re-executes on return; a raised signal is re-raised).
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
}

static void handler(int sig, siginfo_t *info, void *ucontext) {
    sigjmp_buf *jump = current_jump;
    if (jump) {
        current_jump = NULL;
        caught_signal = sig;
        siglongjmp(*jump, 1);
    }
    chain(sig, info, ucontext);
}

static void install_handlers(void) {
    for (size_t i = 0; i < GUARDED_COUNT; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = handler;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(guarded_signals[i], &action, &previous[i]);
    }
}

void rb_guard_install(void) {
    pthread_once(&install_once, install_handlers);
    if (!has_alt_stack) {
        // A runaway recursion faults with no stack left: handle it on another one.
        stack_t stack;
        stack.ss_size = 256 * 1024;
        stack.ss_sp = malloc(stack.ss_size);
        stack.ss_flags = 0;
        if (stack.ss_sp && sigaltstack(&stack, NULL) == 0) has_alt_stack = 1;
    }
}

int rb_guard_call(void (*fn)(void *context), void *context) {
    sigjmp_buf jump;
    sigjmp_buf *outer = current_jump;
    // savemask = 1: the jump restores the signal mask the handler blocked.
    if (sigsetjmp(jump, 1)) {
        current_jump = outer;
        return caught_signal;
    }
    current_jump = &jump;
    fn(context);
    current_jump = outer;
    return 0;
}

const char *rb_guard_signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return "signal";
    }
}
