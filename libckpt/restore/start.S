/* libckpt/restore/start.S: entry point of the libc-free loader. */
        .text
        .globl _start
        .type _start, @function
_start:
        xorl %ebp, %ebp
        movq %rsp, %rdi             /* argc, argv, envp, auxv */
        andq $-16, %rsp
        call loader_main
        hlt

/* void loader_switch_stack(uint64_t sp, void (*fn)(void*), void* arg) */
        .globl loader_switch_stack
        .type loader_switch_stack, @function
loader_switch_stack:
        movq %rdi, %rsp
        movq %rdx, %rdi
        call *%rsi
        hlt
        .section .note.GNU-stack,"",@progbits
