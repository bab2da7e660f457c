/* libckpt/core/context.S: see context.h. x86_64 System V ABI. */
        .text
        .globl ckpt_ctx_save
        .hidden ckpt_ctx_save
        .type ckpt_ctx_save, @function
ckpt_ctx_save:
        movq %rbx, 0(%rdi)
        movq %rbp, 8(%rdi)
        movq %r12, 16(%rdi)
        movq %r13, 24(%rdi)
        movq %r14, 32(%rdi)
        movq %r15, 40(%rdi)
        leaq 8(%rsp), %rdx          /* rsp after our return */
        movq %rdx, 48(%rdi)
        movq (%rsp), %rdx           /* return address */
        movq %rdx, 56(%rdi)
        stmxcsr 64(%rdi)
        fnstcw 68(%rdi)
        xorl %eax, %eax
        ret
        .size ckpt_ctx_save, .-ckpt_ctx_save

        .globl ckpt_ctx_restore
        .hidden ckpt_ctx_restore
        .type ckpt_ctx_restore, @function
ckpt_ctx_restore:
        movq 0(%rdi), %rbx
        movq 8(%rdi), %rbp
        movq 16(%rdi), %r12
        movq 24(%rdi), %r13
        movq 32(%rdi), %r14
        movq 40(%rdi), %r15
        ldmxcsr 64(%rdi)
        fldcw 68(%rdi)
        movq 48(%rdi), %rsp
        movl %esi, %eax
        jmp *56(%rdi)
        .size ckpt_ctx_restore, .-ckpt_ctx_restore

/* long ckpt_clone(flags=rdi, stack=rsi, ptid=rdx, ctid=rcx, tls=r8, fn=r9, arg=8(%rsp)) */
        .globl ckpt_clone
        .hidden ckpt_clone
        .type ckpt_clone, @function
ckpt_clone:
        movq 8(%rsp), %rax          /* arg */
        andq $-16, %rsi
        subq $16, %rsi
        movq %r9, 0(%rsi)           /* fn  */
        movq %rax, 8(%rsi)          /* arg */
        movq %rcx, %r10             /* ctid: 4th syscall argument */
        movl $56, %eax              /* SYS_clone(flags, stack, ptid, ctid, tls) */
        syscall
        testq %rax, %rax
        jnz 1f
        /* child: on the new stack */
        xorl %ebp, %ebp
        popq %rax                   /* fn  */
        popq %rdi                   /* arg */
        andq $-16, %rsp
        call *%rax
        movl $60, %eax              /* SYS_exit: this thread only */
        xorl %edi, %edi
        syscall
        hlt
1:      ret
        .size ckpt_clone, .-ckpt_clone
/* long ckpt_clone3(args=rdi, size=rsi, fn=rdx, arg=rcx): the child starts on args->stack
   + args->stack_size with the parent's registers, so fn and arg travel in r8 and r9
   (the syscall instruction clobbers only rax, rcx and r11). */
        .globl ckpt_clone3
        .hidden ckpt_clone3
        .type ckpt_clone3, @function
ckpt_clone3:
        movq %rdx, %r8              /* fn  */
        movq %rcx, %r9              /* arg */
        movl $435, %eax             /* SYS_clone3(args, size) */
        syscall
        testq %rax, %rax
        jnz 1f
        xorl %ebp, %ebp
        movq %r9, %rdi
        andq $-16, %rsp
        call *%r8
        movl $60, %eax              /* SYS_exit: this thread only */
        xorl %edi, %edi
        syscall
        hlt
1:      ret
        .size ckpt_clone3, .-ckpt_clone3
        .globl ckpt_sigreturn_trampoline
        .hidden ckpt_sigreturn_trampoline
        .type ckpt_sigreturn_trampoline, @function
ckpt_sigreturn_trampoline:
        movl $15, %eax              /* SYS_rt_sigreturn */
        syscall
        hlt
        .size ckpt_sigreturn_trampoline, .-ckpt_sigreturn_trampoline
        .section .note.GNU-stack,"",@progbits
