/* Imports a function from outside WASI (an asyncify import that wasm-opt --asyncify
 * was never run on); wa-run must refuse to run it. Link with -Wl,--allow-undefined. */
__attribute__((import_module("asyncify"), import_name("start_unwind")))
void asyncify_start_unwind(void *data);

int main(void) {
    asyncify_start_unwind(0);
    return 0;
}
