import { packageBuild } from '../../tsup.shared';

export default packageBuild({ 'dma-channel-worker': 'src/dma-channel-worker.ts' });
