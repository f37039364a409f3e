import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({ 'copy-worker': 'src/copy-worker.ts' });
