/** Test helpers shared by pagemig's packages (private; used as a devDependency). */
export { expectKernelError, expectKernelErrorAsync } from './expect-kernel-error';
export { runReadmeExample } from './readme-example';
export type { ReadmeRun } from './readme-example';
