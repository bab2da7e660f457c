/* tests/plugin/plugins/nohook.c: a library that is not a plugin (no hook, no descriptor,
 * no wrapper): libckpt must refuse it with a message naming it. */
int nohook_answer(void) { return 42; }
