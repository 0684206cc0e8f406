/** The Team Notes repository server in its own process, for the benchmark. */
import { RepositoryServer } from '../../src/net/repositoryServer';
import { runServer } from './agentHost';

runServer(async () => {
  const repository = new RepositoryServer();
  const { port } = await repository.listen(0, '127.0.0.1');
  return { port, close: () => repository.close() };
});
