# Reads and writes the C stack pointer, which C cannot name. The asyncify
# switch runs tasks on a stack region of its own and restores it afterwards.
	.globaltype __stack_pointer, i32

	.globl wa__sp_get
	.type wa__sp_get,@function
wa__sp_get:
	.functype wa__sp_get () -> (i32)
	global.get __stack_pointer
	end_function

	.globl wa__sp_set
	.type wa__sp_set,@function
wa__sp_set:
	.functype wa__sp_set (i32) -> ()
	local.get 0
	global.set __stack_pointer
	end_function
