/*
 * The VMware backdoor instructions.  They are plain functions in assembly
 * rather than inline asm because a call uses every general register,
 * RBP included, which inline asm cannot name once the compiler keeps a
 * frame pointer (the sanitizer builds do).  Each function saves RBX and
 * RBP, loads all seven registers from the structure, executes the
 * instruction and stores all seven back.
 */
#include "arch/backdoor.h"

#if defined(__x86_64__)

#define PV_BD_FUNC(name, insn)						\
	"	.text\n"						\
	"	.p2align 4\n"						\
	"	.globl " #name "\n"					\
	"	.hidden " #name "\n"					\
	"	.type " #name ", @function\n"				\
	#name ":\n"							\
	"	.cfi_startproc\n"					\
	"	pushq %rbx\n"						\
	"	.cfi_adjust_cfa_offset 8\n"				\
	"	.cfi_rel_offset %rbx, 0\n"				\
	"	pushq %rbp\n"						\
	"	.cfi_adjust_cfa_offset 8\n"				\
	"	.cfi_rel_offset %rbp, 0\n"				\
	"	pushq %rdi\n"						\
	"	.cfi_adjust_cfa_offset 8\n"				\
	"	movq 0(%rdi), %rax\n"					\
	"	movq 8(%rdi), %rbx\n"					\
	"	movq 16(%rdi), %rcx\n"					\
	"	movq 24(%rdi), %rdx\n"					\
	"	movq 32(%rdi), %rsi\n"					\
	"	movq 48(%rdi), %rbp\n"					\
	"	movq 40(%rdi), %rdi\n"					\
	insn								\
	"	xchgq %rdi, (%rsp)\n"					\
	"	movq %rax, 0(%rdi)\n"					\
	"	movq %rbx, 8(%rdi)\n"					\
	"	movq %rcx, 16(%rdi)\n"					\
	"	movq %rdx, 24(%rdi)\n"					\
	"	movq %rsi, 32(%rdi)\n"					\
	"	movq %rbp, 48(%rdi)\n"					\
	"	popq %rax\n"						\
	"	.cfi_adjust_cfa_offset -8\n"				\
	"	movq %rax, 40(%rdi)\n"					\
	"	popq %rbp\n"						\
	"	.cfi_adjust_cfa_offset -8\n"				\
	"	.cfi_restore %rbp\n"					\
	"	popq %rbx\n"						\
	"	.cfi_adjust_cfa_offset -8\n"				\
	"	.cfi_restore %rbx\n"					\
	"	ret\n"							\
	"	.cfi_endproc\n"						\
	"	.size " #name ", .-" #name "\n"

__asm__(
	PV_BD_FUNC(pv_bd_in, "	inl %dx, %eax\n")
	PV_BD_FUNC(pv_bd_hb_out, "	cld\n	rep outsb\n")
	PV_BD_FUNC(pv_bd_hb_in, "	cld\n	rep insb\n")
);

int
pv_bd_supported(void)
{
	return (1);
}

#else /* !__x86_64__ */

/* No backdoor: every call answers as a machine without one would. */
static void
pv_bd_none(struct pv_bd_regs *r)
{
	r->ax = 0xFFFFFFFFu;
	r->bx = r->cx = 0;
}

int
pv_bd_supported(void)
{
	return (0);
}

void
pv_bd_in(struct pv_bd_regs *r)
{
	pv_bd_none(r);
}

void
pv_bd_hb_out(struct pv_bd_regs *r)
{
	pv_bd_none(r);
}

void
pv_bd_hb_in(struct pv_bd_regs *r)
{
	pv_bd_none(r);
}

#endif
