import 'reflect-metadata';
import { Controller, Get, Inject, Module, Param } from '@nestjs/common';
import type { Member, Receiver } from '@presence-webhooks/core';

/** The injection token of the app's one receiver (provided in AppModule.forReceiver). */
export const RECEIVER = Symbol('presence-webhooks receiver');

@Controller('channels')
export class MembersController {
  constructor(@Inject(RECEIVER) private readonly receiver: Receiver) {}

  @Get(':channel/members')
  members(@Param('channel') channel: string): Promise<Member[]> {
    return this.receiver.store.members(channel);
  }
}

@Module({})
export class AppModule {
  /** The app, with the receiver available to its controllers and services. */
  static forReceiver(receiver: Receiver) {
    return { module: AppModule, controllers: [MembersController], providers: [{ provide: RECEIVER, useValue: receiver }] };
  }
}
