#!/usr/bin/env node
// The package ships TypeScript sources: register tsx's loader, then run the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
