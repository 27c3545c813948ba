import { Global, Module } from '@nestjs/common';
import { CatalogAccess } from './catalog-access';

/** The definitions repository alone (CatalogAccess), for services that read the catalog without planning patches (the builder). */
@Global()
@Module({ providers: [CatalogAccess], exports: [CatalogAccess] })
export class CatalogAccessModule {}
