/** The kernel process Jupyter starts (kernelspec `nbts`): `node --require tsx/cjs tools/kernel/main.ts <connection file>`. */
import { runKernel } from "./server";

const file = process.argv[2];
if (!file) {
  console.error("usage: main.ts <connection file> (Jupyter passes it; register the kernel with npm run kernel)");
  process.exit(2);
}
runKernel(file).catch((e) => {
  console.error(`nbts kernel: ${e?.stack ?? e}`);
  process.exit(1);
});
