import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({ 'dma-channel-worker': 'src/dma-channel-worker.ts' });
