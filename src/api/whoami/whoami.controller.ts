import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, type Caller } from '../auth/caller';
import { RequireRoles, ROLES } from '../auth/roles';
import { errorJsonSchema, whoamiJsonSchema } from '../openapi/json-schemas';

/**
 * Who the bearer token is: the console (and any client) learns the identity the workflow will record
 * and the roles that open routes, so it can say why a button is off before the API refuses it.
 */
@ApiTags('whoami')
@ApiBearerAuth()
@Controller('whoami')
export class WhoamiController {
  @Get()
  @RequireRoles(...ROLES)
  @ApiOperation({ summary: "The caller's identity and roles, as the API sees the bearer token" })
  @ApiResponse({ status: 200, schema: whoamiJsonSchema })
  @ApiResponse({ status: 401, schema: errorJsonSchema })
  whoami(@CurrentCaller() caller: Caller) {
    return { identity: caller.identity, roles: caller.roles, via: caller.via };
  }
}
