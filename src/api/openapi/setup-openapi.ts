import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document at /docs-json and its UI at /docs. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Model-version lifecycle API')
    .setDescription(
      'Start, inspect and steer the durable lifecycle of SageMaker model versions (register → approve → staging → canary → promote or roll back). Bearer tokens map to an identity and roles: pipeline, approver, operator, viewer, eventbridge.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
