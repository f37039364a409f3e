import { packageBuild } from '../../tsup.shared';

export default packageBuild({ 'copy-worker': 'src/copy-worker.ts' });
