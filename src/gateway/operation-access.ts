import type { AuthorizedOperation, OperationAccess } from '../auth/authorize.ts';
import { operationByName, operations } from '../operations/table.ts';
import { gatewayOperations, type GatewayOperationName } from './ws/messages.schemas.ts';

function isGatewayOperation(name: string): name is GatewayOperationName {
  return Object.hasOwn(gatewayOperations, name);
}

/**
 * Who may perform the operation named `name`, as its definition declares: a gateway operation (WebSocket only) or
 * an entry of the operations table. An unknown name is `admin`, so nothing unknown is open to a worker.
 */
export function accessOf(name: string): OperationAccess {
  if (isGatewayOperation(name)) return gatewayOperations[name].access;
  return operationByName.get(name)?.access ?? 'admin';
}

/** Every operation, the gateway's own first, with who may perform it: for the reference docs and their tests. */
export const operationAccess: readonly AuthorizedOperation[] = [
  ...Object.entries(gatewayOperations).map(([name, { access }]) => ({ name, access })),
  ...operations.map(({ name, access }) => ({ name, access })),
];
