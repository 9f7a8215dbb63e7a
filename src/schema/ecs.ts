/**
 * The ECS version flowtrail's documents follow (`ecs.version` in every document). The field types in
 * `ecs-types.json` are this version's, and a test holds the field table to them.
 */
export const ECS_VERSION = '8.11.0';
