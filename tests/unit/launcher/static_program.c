/* tests/unit/launcher/static_program.c: linked with -static; `ckpt launch` must refuse it. */
int main(void) { return 0; }
