import { RouterError } from '../errors.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import { PowerFxSyntaxError, compilePowerFx } from './powerfx/index.ts';

/**
 * Rejects a rule that could never run, at the time its policy is saved, so that nothing malformed is ever evaluated
 * while matching: an expression that does not parse (`InvalidExpression`), an HTTP rule whose URI is not `http(s)`,
 * a webhook without `webhookUri`, or client credentials with no authorization server to send them to
 * (`InvalidRequest`). `target` names the rule's place in the body.
 */
export function validateRule(rule: RouterRule | undefined, target: string): void {
  switch (rule?.kind) {
    case 'expression':
      try {
        compilePowerFx(rule.expression);
      } catch (error) {
        if (error instanceof PowerFxSyntaxError) throw new RouterError('InvalidExpression', error.message, `${target}.expression`);
        throw error;
      }
      return;
    case 'function':
      requireHttpUri(rule.functionUri, `${target}.functionUri`);
      return;
    case 'webhook':
      requireHttpUri(rule.webhookUri, `${target}.webhookUri`);
      if (rule.authorizationServerUri !== undefined) requireHttpUri(rule.authorizationServerUri, `${target}.authorizationServerUri`);
      else if (rule.clientCredential !== undefined)
        throw new RouterError('InvalidRequest', `${target}.clientCredential needs an authorizationServerUri`, `${target}.authorizationServerUri`);
      return;
    default:
      return;
  }
}

function requireHttpUri(uri: string | undefined, target: string): void {
  if (uri === undefined) throw new RouterError('InvalidRequest', `${target} is required`, target);
  const protocol = URL.canParse(uri) ? new URL(uri).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') throw new RouterError('InvalidRequest', `${target} must be an http or https URL`, target);
}
